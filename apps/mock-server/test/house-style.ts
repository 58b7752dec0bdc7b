// What the tests that walk every field with wrong values share: the values, and what valibot's
// own default messages look like (an error the mock gives must never read like one).

/** Wrong values for any field: empty, wrong types, fractions, negatives, an oversized string. */
export const WRONG_VALUES: readonly unknown[] = [
  '',
  7,
  1.5,
  -1,
  true,
  null,
  [],
  {},
  'x'.repeat(20_000),
]

/** Valibot's default wording (`Invalid length: Expected >=1 but received 0`). */
export const VALIBOT_DEFAULT_TEXT =
  /Invalid (type|length|value|key|format)|Expected .* but received/
