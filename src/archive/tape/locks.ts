import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Exclusive claims on drives and cartridges shared by every process using a library (a worker, a
 * CLI restore, the operator's `tape drives`). A claim is a file created exclusively that names its
 * process; the claim of a process that died (kill -9) is stale and taken over, so a crash never
 * leaves a cartridge stuck in a drive.
 */
export interface Claim {
  pid: number;
  /** Random per process: a claim with our pid but another nonce was left by an earlier holder of the pid. */
  nonce?: string;
  /** The cartridge in the drive (drive claims) or the drive holding it (cartridge claims). */
  holder: string;
  /** Tape file the head is at (drive claims only; refreshed as the drive moves). */
  position?: number;
}

const NONCE = crypto.randomUUID();

const mine = (claim: Claim) => claim.pid === process.pid && claim.nonce === NONCE;

/** True when the claim's process still runs (a recycled pid of ours does not count). */
const holderAlive = (claim: Claim): boolean => (claim.pid === process.pid ? mine(claim) : alive(claim.pid));

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function readClaim(file: string): Claim | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Claim;
  } catch {
    return null;
  }
}

/** A live claim, or null when the file is absent, unreadable or left by a dead process. */
export function liveClaim(file: string): Claim | null {
  const claim = readClaim(file);
  return claim && holderAlive(claim) ? claim : null;
}

/** Claims `file` for this process; false when a live process holds it. */
export function tryClaim(file: string, holder: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, nonce: NONCE, holder } satisfies Claim), {
        flag: 'wx',
      });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!isStale(file) || !removeStale(file)) return false;
    }
  }
  return false;
}

const ageMs = (file: string) =>
  Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());

/**
 * A claim is stale when its process is dead. A claim file without readable content is one being
 * written right now, unless it is old: then its creator died between creating and writing it.
 */
function isStale(file: string): boolean {
  const claim = readClaim(file);
  return claim ? !holderAlive(claim) : ageMs(file) > 10_000;
}

/**
 * Removes a dead process's claim. Takeovers are serialised by an exclusive directory and re-check
 * the claim inside it, so a fresh claim made by a racing process is never removed.
 */
function removeStale(file: string): boolean {
  const mutex = `${file}.takeover`;
  try {
    fs.mkdirSync(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A takeover killed half-way leaves its directory; it is old after a few seconds.
    if (ageMs(mutex) > 10_000) fs.rmSync(mutex, { recursive: true, force: true });
    return false;
  }
  try {
    if (!isStale(file)) return false;
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmdirSync(mutex);
  }
}

/** Updates a claim this process holds (drive position for operators). */
export function refreshClaim(file: string, claim: Omit<Claim, 'pid' | 'nonce'>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ ...claim, pid: process.pid, nonce: NONCE } satisfies Claim));
  fs.renameSync(tmp, file);
}

export function releaseClaim(file: string): void {
  const claim = readClaim(file);
  if (claim && mine(claim)) fs.rmSync(file, { force: true });
}
