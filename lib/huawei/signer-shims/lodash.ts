/** `sortBy(list, iteratee)` as lodash defines it for one iteratee: a stable ascending sort by the iteratee's value. */
export function sortBy<T>(list: readonly T[], iteratee: (item: T) => string): T[] {
  return list
    .map((item, index) => ({ item, index, key: iteratee(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
    .map(({ item }) => item);
}
