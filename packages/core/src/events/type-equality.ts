// Compile-time checks that an event stream's valibot schemas and its hand-written types agree
// (agent-events.ts, mock-events.ts): internal, not exported from the package.

/** `true` when `A` and `B` are the same type, else `false`. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/** Compiles only when every element is `true`. */
export type Holds<T extends readonly true[]> = T
