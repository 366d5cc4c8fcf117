import { type DriveSeconds, zeroSeconds } from './timing.ts';

export type ClockMode = 'simulated' | 'real';

/**
 * Drive time of a tape library. Simulated: the seconds are only counted, so a day of tape work runs in
 * milliseconds; real: the caller also waits them out (divided by `scale`, so a demo can run at
 * 100× while keeping the proportions an operator would see).
 */
export class TapeClock {
  readonly spent: DriveSeconds = zeroSeconds();

  constructor(
    readonly mode: ClockMode = 'simulated',
    readonly scale = 1,
  ) {
    if (!(scale > 0)) throw new RangeError('clock scale must be > 0');
  }

  async spend(kind: keyof DriveSeconds, seconds: number): Promise<void> {
    if (seconds <= 0) return;
    this.spent[kind] += seconds;
    if (this.mode === 'real') await new Promise((r) => setTimeout(r, (seconds * 1000) / this.scale));
  }
}
