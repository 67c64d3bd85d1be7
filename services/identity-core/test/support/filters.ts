import { FilterOperator, GroupField, UserField } from "@cosafe/proto/identity";

/** A one-condition filter (UserFilter or GroupFilter init) comparing `field` with a string. */
export const stringCondition = <F>(field: F, value: string, operator = FilterOperator.EQUAL) => ({
  expression: {
    case: "condition" as const,
    value: { field, operator, value: { kind: { case: "stringValue" as const, value } } },
  },
});

export const userNameEq = (value: string) => stringCondition(UserField.USER_NAME, value);
export const userNameStartsWith = (value: string) =>
  stringCondition(UserField.USER_NAME, value, FilterOperator.STARTS_WITH);
export const displayNameEq = (value: string) => stringCondition(GroupField.DISPLAY_NAME, value);
