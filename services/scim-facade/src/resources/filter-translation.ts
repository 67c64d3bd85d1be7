import { FilterOperator, type FilterValue } from "@cosafe/proto/identity";
import {
  type AttributeRef,
  type CompareFilter,
  type Filter,
  parseFilter,
  parseSortBy,
  ScimError,
} from "@cosafe/scim";
import { attributeKey, filterLiteral, filterOperators, invalidFilter, operands } from "./filter-terms.js";

/** How one resource type's typed identity-core filter is built, node by node. */
export interface FilterNodes<F, Field> {
  combine(kind: "and" | "or", filters: F[]): F;
  not(filter: F): F;
  condition(field: Field, operator: FilterOperator, value?: FilterValue): F;
  /**
   * `attribute[filter]`: `inner` is the already translated filter, whose attribute names are
   * read below `attribute` (users: an element condition; groups: the member condition itself).
   */
  valuePath(attribute: Field, inner: F): F;
}

/** A resource type's filter and sort vocabulary: the allowlist and how to build its filter. */
export interface FilterSpec<F, Field> {
  /** Plural, for messages: "users". */
  resource: string;
  /** The core schema URN that may prefix attribute names. */
  schema: string;
  /** Allowlist: lower-case SCIM attribute path → typed field. Anything else is 400 invalidFilter. */
  fields: Readonly<Record<string, Field>>;
  /** Fields whose literals are date-times. */
  timeFields: ReadonlySet<Field>;
  /** Fields that compare with booleans; without it, a boolean literal is invalidFilter. */
  booleanLiterals: boolean;
  /** Fields a value path may name; absent: any allowlisted one. */
  valuePaths?: ReadonlySet<Field>;
  /** Fields sortBy may name (single-valued ones). */
  sortable: ReadonlySet<Field>;
  nodes: FilterNodes<F, Field>;
}

/**
 * Translates SCIM filters (RFC 7644 §3.4.2.2) into identity-core's typed filters, one
 * algorithm for every resource type: each supplies only its allowlist and node builders.
 */
export class FilterTranslation<F, Field> {
  constructor(private readonly spec: FilterSpec<F, Field>) {}

  /** Parses a SCIM filter and translates it. */
  filter(source: string): F {
    return this.translate(parseFilter(source));
  }

  /** sortBy → a sortable field, or 400 invalidValue naming the attribute. */
  sortField(sortBy: string): Field {
    const refused = () =>
      new ScimError(400, "invalidValue", `${this.spec.resource} cannot be sorted by "${sortBy}"`);
    let field: Field;
    try {
      field = this.fieldOf(parseSortBy(sortBy));
    } catch {
      throw refused();
    }
    if (!this.spec.sortable.has(field)) throw refused();
    return field;
  }

  private fieldOf(ref: AttributeRef, parent?: AttributeRef): Field {
    const key = attributeKey(ref, this.spec.schema, parent);
    const field = this.spec.fields[key];
    if (field === undefined) throw invalidFilter(`${this.spec.resource} cannot be filtered by "${key}"`);
    return field;
  }

  private literal(filter: CompareFilter, field: Field): FilterValue {
    if (!this.spec.booleanLiterals && typeof filter.value === "boolean")
      throw invalidFilter(`${this.spec.resource.replace(/s$/, "")} attributes compare with strings`);
    return filterLiteral(filter, { time: this.spec.timeFields.has(field), resource: this.spec.resource });
  }

  private translate(filter: Filter, parent?: AttributeRef): F {
    const { nodes } = this.spec;
    switch (filter.kind) {
      case "and":
      case "or":
        // One list per chain: `a or b or … z` is one level deep on the wire, not 25 (protobuf stops at 100).
        return nodes.combine(
          filter.kind,
          operands(filter).map((operand) => this.translate(operand, parent)),
        );
      case "not":
        return nodes.not(this.translate(filter.filter, parent));
      case "present":
        return nodes.condition(this.fieldOf(filter.path, parent), FilterOperator.PRESENT);
      case "compare": {
        const field = this.fieldOf(filter.path, parent);
        return nodes.condition(field, filterOperators[filter.op], this.literal(filter, field));
      }
      case "valuePath": {
        if (parent) throw invalidFilter("value paths cannot nest");
        const attribute = this.fieldOf(filter.path);
        if (this.spec.valuePaths && !this.spec.valuePaths.has(attribute))
          throw invalidFilter(`${this.spec.resource} support no value path on "${filter.path.attribute}"`);
        return nodes.valuePath(attribute, this.translate(filter.filter, filter.path));
      }
    }
  }
}
