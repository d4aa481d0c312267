/** The time source of domain code; tests replace `now` to move time (expiry) without sleeping. */
export class Clock {
  now(): Date {
    return new Date();
  }
}
