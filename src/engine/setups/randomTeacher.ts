/**
 * The random-teacher setup (docs/spec.md §3, §7): a student of a target accuracy and norm drawn
 * uniformly on the sphere these fix, and teachers of a lower accuracy drawn the same way. The same
 * directions serve every cell of a grid (common random numbers), so cells differ only by norm and
 * accuracy. The reduced path needs no vectors at all: one coordinate per teacher fixes its state.
 * A cell with a prescribed κ (docs/spec.md §10) builds teacher j from u and its own f_j with that κ.
 */
import { cosFromAccuracy } from '../accuracy';
import { sphereCoordinate } from '../distributions';
import { CEILING, type Cell, type RunKey } from '../grid';
import { Rng, StreamKind } from '../rng';
import type { ReducedState, ReducedTeacher } from '../sft/reduced';
import type { ExperimentSpec } from '../spec';
import { dot, uniformOrthogonal, unit } from '../vectors';

/** A run's start on the reduced path: the chain's state, the teacher's frame and κ. */
export interface ReducedStart {
  readonly state: ReducedState;
  readonly teacher: ReducedTeacher;
  readonly kappa: number;
}

export class RandomTeacherSetup {
  private studentDirectionCache: Float64Array | null = null;
  private readonly teacherCache = new Map<number, Float64Array>();
  private readonly residualCache = new Map<number, Float64Array>();

  constructor(
    private readonly spec: ExperimentSpec,
    /** Whitened unit ground truth v*. */
    private readonly groundTruth: () => Float64Array,
  ) {}

  private get d(): number {
    return this.spec.data.d;
  }

  /** u: the student's unit direction orthogonal to w*, the same in every cell. */
  private studentDirection(): Float64Array {
    this.studentDirectionCache ??= uniformOrthogonal(Rng.stream(this.spec.seed, StreamKind.student), this.groundTruth());
    return this.studentDirectionCache;
  }

  /** f_j: teacher j's unit direction orthogonal to w*, the same in every cell. */
  private teacherDirection(teacher: number): Float64Array {
    let f = this.teacherCache.get(teacher);
    if (f === undefined) {
      f = uniformOrthogonal(Rng.stream(this.spec.seed, StreamKind.teacher, teacher), this.groundTruth());
      this.teacherCache.set(teacher, f);
    }
    return f;
  }

  /**
   * f_j with its part along u removed, renormalised: uniform on the unit sphere orthogonal to v* and
   * u (f_j is uniform on the sphere of v*⊥, so its projection on u⊥ is uniform in direction there).
   */
  private teacherResidual(teacher: number): Float64Array {
    let g = this.residualCache.get(teacher);
    if (g === undefined) {
      const u = this.studentDirection();
      const f = this.teacherDirection(teacher);
      const along = dot(f, u);
      g = unit(f.map((x, j) => x - along * u[j]));
      this.residualCache.set(teacher, g);
    }
    return g;
  }

  /** Teacher j's unit direction orthogonal to v*: f_j as drawn, or κ u + √(1 − κ²) g_j when the cell prescribes κ. */
  private teacherError(cell: Cell, teacher: number): Float64Array {
    if (cell.kappa === null) return this.teacherDirection(teacher);
    const kappa = cell.kappa;
    const rest = Math.sqrt(1 - kappa * kappa);
    const u = this.studentDirection();
    const g = this.teacherResidual(teacher);
    return u.map((x, j) => kappa * x + rest * g[j]);
  }

  /** Student w_0 = r(c_0 v* + s_0 u) and teacher ‖w_T‖(c_T v* + s_T f_j) in whitened coordinates (the ceiling's teacher is v*). */
  explicitInit(cell: Cell, key: RunKey): { student: Float64Array; teacher: Float64Array } {
    const vStar = this.groundTruth();
    const c0 = cosFromAccuracy(this.spec.student.accuracy);
    const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
    const r = cell.norm as number;
    const u = this.studentDirection();
    const student = vStar.map((x, j) => r * (c0 * x + s0 * u[j]));
    let teacher: Float64Array;
    if (key.teacher === CEILING) {
      teacher = Float64Array.from(vStar);
    } else {
      const cT = cosFromAccuracy(cell.teacherAccuracy as number);
      const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
      const f = this.teacherError(cell, key.teacher);
      teacher = vStar.map((x, j) => cT * x + sT * f[j]);
    }
    const scale = this.spec.teachers.norm;
    return { student, teacher: teacher.map((x) => x * scale) };
  }

  /**
   * The reduced chain's start (docs/spec.md §3) without vectors: α_0 = r c_0, b_0 = r s_0 t,
   * ρ_0 = r s_0 √(1 − t²) with t = ⟨u, f_j⟩, one coordinate of a uniform point on S^{d−2}, or
   * t = κ exactly (no draw) when the cell prescribes κ.
   */
  reducedStart(cell: Cell, key: RunKey): ReducedStart {
    const c0 = cosFromAccuracy(this.spec.student.accuracy);
    const s0 = Math.sqrt(Math.max(0, 1 - c0 * c0));
    const r = cell.norm as number;
    if (key.teacher === CEILING) {
      // Teacher = w*: f may be any unit vector ⊥ w*; take the student's own residual direction.
      return { state: { alpha: r * c0, b: r * s0, rho: 0 }, teacher: { cT: 1, sT: 0 }, kappa: 1 };
    }
    const cT = cosFromAccuracy(cell.teacherAccuracy as number);
    const sT = Math.sqrt(Math.max(0, 1 - cT * cT));
    const t = cell.kappa ?? sphereCoordinate(Rng.stream(this.spec.seed, StreamKind.teacher, key.teacher), this.d - 1);
    return { state: { alpha: r * c0, b: r * s0 * t, rho: r * s0 * Math.sqrt(1 - t * t) }, teacher: { cT, sT }, kappa: t };
  }
}
