/**
 * The MXNetError family. Every error says what failed, which operator and argument,
 * what was expected and what was given.
 * @module
 */

/** Base class of every error this library throws on purpose. */
export class MXNetError extends Error {
  /** Creates an error with a message; `cause` chains the underlying error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MXNetError";
  }
}

/** A shape does not fit an operator (wrong rank, mismatched dims, bad axis). */
export class ShapeError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShapeError";
  }
}

/**
 * An index is out of range for an axis (Python's IndexError): says which axis, the index
 * and the axis size.
 */
export class IndexError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IndexError";
  }
}

/** A dtype is not accepted by an operator or cannot be converted. */
export class DTypeError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DTypeError";
  }
}

/** Arrays on different contexts were mixed, or a context is unavailable. */
export class ContextError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContextError";
  }
}

/** A file or byte buffer is not in the expected format; carries the byte offset. */
export class FormatError extends MXNetError {
  /** Byte offset at which the problem was found, or -1 when not applicable. */
  readonly offset: number;
  /** Creates the error; the offset is appended to the message. */
  constructor(message: string, offset = -1, options?: { cause?: unknown }) {
    super(offset >= 0 ? `${message} (at byte offset ${offset})` : message, options);
    this.name = "FormatError";
    this.offset = offset;
  }
}

/** A feature is not supported by this backend, dtype or build. */
export class UnsupportedError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnsupportedError";
  }
}

/** A parameter of an operator has a wrong value or type. */
export class ParamError extends MXNetError {
  /** Creates the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ParamError";
  }
}

/** An operation failed while the engine ran it; rethrown where the user waits. */
export class EngineError extends MXNetError {
  /** The operator whose kernel failed. */
  readonly op: string;
  /** Creates the error for operator `op`. */
  constructor(op: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${op}: ${why}`, { cause });
    this.name = "EngineError";
    this.op = op;
  }
}

/**
 * Several operations failed and nobody read their results: `waitAll` throws them
 * together. `errors` lists each failed operation once, in order (the first 100 kept
 * whole); `omitted` counts the failures past those.
 */
export class EngineErrors extends EngineError {
  /** The failures, each failed operation once, in the order they failed. */
  readonly errors: readonly EngineError[];
  /** Failures not kept in `errors` (only counted, to bound memory). */
  readonly omitted: number;
  /** Creates the error from the failures kept and the count of the rest. */
  constructor(errors: readonly EngineError[], omitted = 0) {
    const total = errors.length + omitted;
    const byOp = new Map<string, number>();
    for (const e of errors) byOp.set(e.op, (byOp.get(e.op) ?? 0) + 1);
    const ops = [...byOp].map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(", ");
    const kept = omitted > 0 ? `; the first ${errors.length} kept in .errors` : "";
    const first = errors.slice(0, 3).map((e) => e.message).join("; ");
    super("waitAll", `${total} operations failed (${ops}${kept}): ${first}`);
    this.name = "EngineErrors";
    this.errors = errors;
    this.omitted = omitted;
  }
}

/** An array was used after `dispose()`. */
export class DisposedError extends MXNetError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DisposedError";
  }
}
