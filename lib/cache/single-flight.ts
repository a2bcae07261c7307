/**
 * Concurrent lookups of one key share one upstream call and its outcome, answer or error.
 * A caller that must not be answered with anything older than its own arrival (a fresh
 * read) joins only a call that started at or after it arrived; otherwise it starts its
 * own, which later callers then join.
 */
interface Flight<T> {
  readonly startedAt: number;
  readonly outcome: Promise<T>;
}

export interface SingleFlight<T> {
  run(key: string, options: { now: number; notStartedBefore?: number }, call: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  const flights = new Map<string, Flight<T>>();
  return {
    run(key, { now, notStartedBefore }, call) {
      const current = flights.get(key);
      if (current !== undefined && (notStartedBefore === undefined || current.startedAt >= notStartedBefore)) {
        return current.outcome;
      }
      const flight: Flight<T> = {
        startedAt: now,
        outcome: Promise.resolve()
          .then(call)
          .finally(() => {
            if (flights.get(key) === flight) flights.delete(key);
          }),
      };
      flights.set(key, flight);
      return flight.outcome;
    },
    get inFlight() {
      return flights.size;
    },
  };
}
