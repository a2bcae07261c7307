/**
 * One poll schedule per cluster, shared by every waiter on it in this instance: the first
 * waiter's start anchors it, and its poll times follow the waiter schedule (./schedule.ts).
 * A waiter that joins later polls at the timeline's next times, not at times of its own,
 * and every poll at a timeline time joins the one MRS call made for it. So a hundred
 * waiters on one cluster cost MRS what one waiter costs, not a hundred times as much.
 */
import { backoffMs } from './schedule';

export interface Timeline {
  /** The first poll time after `after`. */
  nextAfter(after: number): number;
}

export interface TimelineRegistry {
  /** The timeline for `key` (anchored at `now` if none is in use), and a release for when the waiter is done. */
  join(key: string, delays: { minDelayMs: number; maxDelayMs: number }, now: number): { timeline: Timeline; release(): void };
  readonly size: number;
}

export function createTimelineRegistry(random: () => number = Math.random): TimelineRegistry {
  const timelines = new Map<string, { timeline: Timeline; users: number }>();
  return {
    join(key, delays, now) {
      const fullKey = `${key}:${delays.minDelayMs}:${delays.maxDelayMs}`;
      let held = timelines.get(fullKey);
      if (held === undefined) {
        held = { timeline: createTimeline(now, delays, random), users: 0 };
        timelines.set(fullKey, held);
      }
      held.users += 1;
      const entry = held;
      let released = false;
      return {
        timeline: entry.timeline,
        release() {
          if (released) return;
          released = true;
          entry.users -= 1;
          if (entry.users === 0 && timelines.get(fullKey) === entry) timelines.delete(fullKey);
        },
      };
    },
    get size() {
      return timelines.size;
    },
  };
}

function createTimeline(anchor: number, delays: { minDelayMs: number; maxDelayMs: number }, random: () => number): Timeline {
  // times[n] is the time of poll n (poll 0 at the anchor); drawn as they are first needed.
  const times = [anchor];
  return {
    nextAfter(after) {
      while ((times[times.length - 1] as number) <= after) {
        times.push((times[times.length - 1] as number) + backoffMs(delays, times.length, random));
      }
      return times.find((time) => time > after) as number;
    },
  };
}
