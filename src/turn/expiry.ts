/**
 * Lifetimes (RFC 8656 §9, §12): permissions end after `permission-lifetime`, channel bindings
 * after `channel-lifetime`, and an expired channel's number and peer stay reserved to each
 * other until the 5-minute re-bind guard ends.
 */
import type { Allocation } from './allocation.ts';

/** Removes what has expired from one allocation; true when a permission or binding ended. */
export function expireAllocation(alloc: Allocation, now: number): boolean {
  let changed = false;
  for (const [ip, exp] of alloc.permissions) {
    if (exp <= now) {
      alloc.permissions.delete(ip);
      changed = true;
    }
  }
  for (let i = alloc.channels.length - 1; i >= 0; i--) {
    const ch = alloc.channels[i];
    if (ch.active && ch.expiresAt <= now) {
      ch.active = false;
      changed = true;
    }
    if (!ch.active && ch.guardUntil <= now) alloc.removeChannel(ch);
  }
  return changed;
}
