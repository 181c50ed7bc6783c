/** Holt-Winters (additive) forecasting of the command rate, and its error against what happened. */

/** Smoothing of a {@linkcode HoltWinters}. */
export interface HoltWintersOptions {
  /** Observations per season (a day of 15 s samples: 5 760). */
  period: number;
  /** Level smoothing, 0 < α < 1 (default 0.3). */
  alpha?: number;
  /** Trend smoothing, 0 < β < 1 (default 0.05). */
  beta?: number;
  /** Season smoothing, 0 < γ < 1 (default 0.2). */
  gamma?: number;
}

/**
 * Additive Holt-Winters: level ℓ, trend b and a season s of `period`
 * observations.
 *
 *     ℓₜ = α(yₜ − sₜ₋ₘ) + (1 − α)(ℓₜ₋₁ + bₜ₋₁)
 *     bₜ = β(ℓₜ − ℓₜ₋₁) + (1 − β)bₜ₋₁
 *     sₜ = γ(yₜ − ℓₜ) + (1 − γ)sₜ₋ₘ
 *     ŷₜ₊ₕ = ℓₜ + h·bₜ + sₜ₊ₕ₋ₘ
 *
 * Until two seasons are observed it forecasts with Holt's linear method
 * (level and trend only); then it initialises the season from those two
 * seasons (level at the first season's mean, trend from the difference of
 * the two means, each season index the mean deviation from its season's
 * mean) and replays them, so the season is in every later forecast.
 *
 * @example
 * ```ts
 * const hw = new HoltWinters({ period: 24 });
 * for (const y of hourlyRates) hw.observe(y);
 * hw.forecast(6); // six hours ahead
 * ```
 */
export class HoltWinters {
  readonly period: number;
  readonly #alpha: number;
  readonly #beta: number;
  readonly #gamma: number;
  #level = 0;
  #trend = 0;
  #season: number[] | null = null;
  #buffer: number[] = [];
  #n = 0;

  constructor(options: HoltWintersOptions) {
    if (!Number.isInteger(options.period) || options.period < 2) {
      throw new RangeError("The season must be at least 2 observations");
    }
    this.period = options.period;
    this.#alpha = unit(options.alpha ?? 0.3, "alpha");
    this.#beta = unit(options.beta ?? 0.05, "beta");
    this.#gamma = unit(options.gamma ?? 0.2, "gamma");
  }

  /** Observations so far. */
  get observations(): number {
    return this.#n;
  }

  /** True once the season is initialised (two seasons observed). */
  get seasonal(): boolean {
    return this.#season !== null;
  }

  /** Level smoothing (what the forecast band widens with). */
  get alpha(): number {
    return this.#alpha;
  }

  /** Takes the next observation. */
  observe(y: number): void {
    if (!Number.isFinite(y)) throw new RangeError("An observation is finite");
    const t = this.#n++;
    if (this.#season) {
      this.#update(t, y, this.#season);
      return;
    }
    this.#buffer.push(y);
    if (t === 0) {
      this.#level = y;
      this.#trend = 0;
    } else {
      const previous = this.#level;
      this.#level = this.#alpha * y +
        (1 - this.#alpha) * (this.#level + this.#trend);
      this.#trend = this.#beta * (this.#level - previous) +
        (1 - this.#beta) * this.#trend;
    }
    if (this.#buffer.length === 2 * this.period) this.#initialise();
  }

  /**
   * The forecast `h` observations after the last one (h ≥ 1), never below
   * 0; null before two observations.
   */
  forecast(h: number): number | null {
    if (!Number.isInteger(h) || h < 1) {
      throw new RangeError("The horizon is at least one observation");
    }
    if (this.#n < 2) return null;
    let value = this.#level + h * this.#trend;
    if (this.#season) {
      value += this.#season[(this.#n - 1 + h) % this.period];
    }
    return Math.max(0, value);
  }

  #update(t: number, y: number, season: number[]): void {
    const i = t % this.period;
    const previous = this.#level;
    this.#level = this.#alpha * (y - season[i]) +
      (1 - this.#alpha) * (this.#level + this.#trend);
    this.#trend = this.#beta * (this.#level - previous) +
      (1 - this.#beta) * this.#trend;
    season[i] = this.#gamma * (y - this.#level) + (1 - this.#gamma) * season[i];
  }

  #initialise(): void {
    const m = this.period;
    const ys = this.#buffer;
    const first = mean(ys.slice(0, m));
    const second = mean(ys.slice(m));
    const season = Array.from(
      { length: m },
      (_, i) => ((ys[i] - first) + (ys[i + m] - second)) / 2,
    );
    this.#trend = (second - first) / m;
    // The first season's mean is the level at its middle; start just before it.
    this.#level = first - this.#trend * (m + 1) / 2;
    for (let t = 0; t < ys.length; t++) this.#update(t, ys[t], season);
    this.#season = season;
    this.#buffer = [];
  }
}

/** A forecast with its band. */
export interface ForecastPoint {
  /** Steps ahead of the last observation. */
  steps: number;
  value: number;
  low: number;
  high: number;
}

/** How well the forecast did against what then happened. */
export interface ForecastAccuracy {
  /**
   * Mean absolute percentage error of the forecasts made `horizonSteps`
   * ahead, over those that came due in the window (observations below
   * `minActual` are left out: a percentage of almost nothing says nothing);
   * null when none came due.
   */
  mape: number | null;
  /** Forecasts compared. */
  points: number;
  horizonSteps: number;
  windowMs: number;
}

/** Options of a {@linkcode RateForecaster}. */
export interface RateForecasterOptions extends HoltWintersOptions {
  /** The horizon whose forecasts are scored, in observations. */
  horizonSteps: number;
  /** The window of the MAPE (default an hour). */
  errorWindowMs?: number;
  /** Observations below this are not scored (default 1). */
  minActual?: number;
}

/**
 * Holt-Winters on the command rate, scored as it goes: every forecast made
 * `horizonSteps` ahead is compared with the rate observed when it comes due
 * (MAPE over the last hour), and the one-step errors give the band
 * (σ of the one-step error, as an exponentially weighted mean square;
 * widened for h steps as σ·√(1 + (h − 1)α²), the band of exponential
 * smoothing — an approximation that ignores trend and season).
 */
export class RateForecaster {
  readonly model: HoltWinters;
  readonly horizonSteps: number;
  readonly #windowMs: number;
  readonly #minActual: number;
  readonly #pending = new Map<number, number>();
  readonly #errors: { at: number; error: number }[] = [];
  #meanSquare: number | null = null;
  #oneStepErrors = 0;

  constructor(options: RateForecasterOptions) {
    if (!Number.isInteger(options.horizonSteps) || options.horizonSteps < 1) {
      throw new RangeError("The horizon is at least one observation");
    }
    this.model = new HoltWinters(options);
    this.horizonSteps = options.horizonSteps;
    this.#windowMs = options.errorWindowMs ?? 3_600_000;
    this.#minActual = options.minActual ?? 1;
  }

  /**
   * The band the next observation is expected in (±`k`σ of the one-step
   * error); null until enough one-step errors were seen.
   */
  expected(k: number): ForecastPoint | null {
    const value = this.model.forecast(1);
    if (value === null || this.#meanSquare === null) return null;
    if (this.#oneStepErrors < 10) return null;
    const sigma = Math.sqrt(this.#meanSquare);
    return {
      steps: 1,
      value,
      low: Math.max(0, value - k * sigma),
      high: value + k * sigma,
    };
  }

  /** Takes the rate observed at `at` (epoch ms). */
  observe(at: number, rate: number): void {
    const step = this.model.observations;
    const due = this.#pending.get(step);
    if (due !== undefined) {
      this.#pending.delete(step);
      if (rate >= this.#minActual) {
        this.#errors.push({ at, error: Math.abs(rate - due) / rate });
      }
    }
    const oneStep = this.model.forecast(1);
    if (oneStep !== null) {
      const square = (rate - oneStep) ** 2;
      this.#meanSquare = this.#meanSquare === null
        ? square
        : 0.9 * this.#meanSquare + 0.1 * square;
      this.#oneStepErrors++;
    }
    this.model.observe(rate);
    const ahead = this.model.forecast(this.horizonSteps);
    if (ahead !== null) {
      this.#pending.set(step + this.horizonSteps, ahead);
    }
    while (
      this.#errors.length > 0 && this.#errors[0].at < at - this.#windowMs
    ) {
      this.#errors.shift();
    }
  }

  /** Forecasts 1…`steps` observations ahead, with the band at ±`k`σₕ. */
  forecast(steps: number, k = 2): ForecastPoint[] {
    const sigma = Math.sqrt(this.#meanSquare ?? 0);
    const alpha = this.model.alpha;
    const out: ForecastPoint[] = [];
    for (let h = 1; h <= steps; h++) {
      const value = this.model.forecast(h);
      if (value === null) return [];
      const width = k * sigma * Math.sqrt(1 + (h - 1) * alpha * alpha);
      out.push({
        steps: h,
        value,
        low: Math.max(0, value - width),
        high: value + width,
      });
    }
    return out;
  }

  /** The MAPE of the horizon's forecasts that came due in the window before `now`. */
  accuracy(now: number): ForecastAccuracy {
    const recent = this.#errors.filter((e) => e.at >= now - this.#windowMs);
    return {
      mape: recent.length === 0
        ? null
        : recent.reduce((sum, e) => sum + e.error, 0) / recent.length,
      points: recent.length,
      horizonSteps: this.horizonSteps,
      windowMs: this.#windowMs,
    };
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function unit(value: number, name: string): number {
  if (!(value > 0 && value < 1)) {
    throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  }
  return value;
}
