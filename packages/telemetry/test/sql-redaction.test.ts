import { describe, expect, it } from "vitest";
import { redactSql } from "../src/sql-redaction.js";

describe("SQL in spans keeps its shape, never its values", () => {
  it("replaces string, E'' escape, dollar-quoted and numeric literals", () => {
    const sql = `insert into "identity"."app_user" ("id", "user_name", "emails", "version") values ('0237fbc4-b99f', 'o''brien@example.com', E'\\\\x37', 3) returning "version"`;
    expect(redactSql(sql)).toBe(
      `insert into "identity"."app_user" ("id", "user_name", "emails", "version") values (?, ?, ?, ?) returning "version"`,
    );
    expect(redactSql(`select $x$secret$x$, 'a' || $$b$$ from t1 where n = -2.5 limit 10`)).toBe(
      "select ?, ? || ? from t1 where n = ? limit ?",
    );
  });

  it("leaves identifiers with digits and placeholders alone", () => {
    expect(redactSql(`select "col2", t.v1 from "migration_0001" t where a = $1 and b = ?`)).toBe(
      `select "col2", t.v1 from "migration_0001" t where a = $1 and b = ?`,
    );
  });
});
