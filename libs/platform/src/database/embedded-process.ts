import { readFileSync } from 'node:fs';
import os from 'node:os';

// What tells one running process from another on this machine, so that a lock left by a
// process that died is told apart from a lock held by a live one, even after the dead
// process's pid has been given to somebody else (pids are reused, in containers pid 1 at
// every restart) or the machine has rebooted.

/** This process as a lock file records it. */
export type ProcessIdentity = {
  pid: number;
  host: string;
  /** Linux: the kernel's boot id, new at every boot. */
  bootId: string | null;
  /** When the machine booted (seconds since the epoch), for systems without a boot id. */
  bootTime: number;
  /** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTime: string | null;
};

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), bootId: bootId(), bootTime: bootTime(), startTime: processStartTime(process.pid) };
}

/** When the machine booted, in seconds since the epoch. */
export function bootTime(): number {
  return Math.round(Date.now() / 1000 - os.uptime());
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A clock adjusted by NTP moves the computed boot time by seconds; a reboot moves it by at
// least the time the machine was up before.
const BOOT_TIME_TOLERANCE_S = 120;

/**
 * Whether the process a lock names is certainly gone. `false` means it runs, or that it
 * cannot be known (another host), and then the lock must be respected.
 */
export function isGone(owner: ProcessIdentity, heldByThisProcess: boolean): boolean {
  if (owner.host !== os.hostname()) return false;
  const now = currentProcess();
  if (owner.bootId && now.bootId) {
    if (owner.bootId !== now.bootId) return true;
  } else if (Math.abs(owner.bootTime - now.bootTime) > BOOT_TIME_TOLERANCE_S) {
    return true;
  }
  if (!pidExists(owner.pid)) return true;
  const start = processStartTime(owner.pid);
  // The pid is alive, but started at another time: a new process that was given the old pid.
  if (start !== null && owner.startTime !== null) return start !== owner.startTime;
  // Without start times (not Linux) a live pid is trusted, except our own pid in a lock that
  // this process does not hold: a previous run that had the same pid.
  return owner.pid === process.pid && !heldByThisProcess;
}
