/** Attribute data types, RFC 7643 §2.3. */
export type AttributeType =
  | "string"
  | "boolean"
  | "decimal"
  | "integer"
  | "dateTime"
  | "reference"
  | "complex"
  | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

/** An attribute and its characteristics (RFC 7643 §2.2, §7). */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
  /**
   * Cosafe: the attribute is stored (or derived) and returned by Cosafe. Attributes with `stored: false`
   * are accepted in requests, not stored, and reported as *ignored attributes* (R2, R20).
   * Not part of the RFC representation rendered at `/Schemas`.
   */
  readonly stored: boolean;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface SchemaExtension {
  readonly schema: SchemaDefinition;
  readonly required: boolean;
}

/**
 * A resource type (RFC 7643 §6) with everything the protocol functions need: the common attributes
 * (`id`, `externalId`, `meta`), the core schema and its extensions.
 */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly common: readonly AttributeDefinition[];
  readonly schema: SchemaDefinition;
  readonly extensions: readonly SchemaExtension[];
}

type AttributeOptions = Partial<Omit<AttributeDefinition, "name" | "type" | "description">>;

/** Builds an attribute definition with the RFC defaults (single-valued, optional, readWrite, returned by default). */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  options: AttributeOptions = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    stored: false,
    ...options,
  };
}
