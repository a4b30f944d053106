/** The mock exam API's shapes (⚑ DESIGN.md "Exam mode"), shared by server and web. */
import type { GradeJson } from './types.js';

export interface ExamListDto {
  exams: {
    id: string;
    title: string;
    description: string;
    durationMinutes: number;
    passPercent: number;
    /** What one attempt needs (null when this catalog cannot fill the exam: see `unavailable`). */
    questions: number | null;
    clusters: number | null;
    memoryMiB: number | null;
    unavailable?: string;
  }[];
}

/** POST /api/exams `{ "exam": "<id>" }` → 201 */
export interface StartExamDto {
  id: string;
  url: string;
}

export interface ExamAttemptDto {
  id: string;
  exam: string;
  title: string;
  state: 'provisioning' | 'running' | 'grading' | 'finished' | 'failed';
  error: string | null;
  startedAt: string | null;
  endsAt: string | null;
  /** By the server's clock (null before every cluster is ready). */
  remainingMs: number | null;
  /** A workshop's exam: the clock starts for everyone at this moment (null for a learner's own exam). */
  opensAt?: string | null;
  /**
   * Milliseconds in one exam minute by the server's clock: 60 000, shorter only when tests speed
   * the clock up. The page's 30/15/5-minute alerts and its timer count in these minutes.
   */
  minuteMs: number;
  /**
   * `node`: the control-plane node the cluster's terminal opens on; `nodes`: every node of its lab
   * (`ssh` is the alias that reaches it from any other node of the cluster, e.g. `ssh worker`).
   */
  clusters: { name: string; lab: string; context: string; node: string | null; nodes: { name: string; ssh: string }[]; state: string; sessionId?: string; token?: string }[];
  questions: {
    number: number;
    title: string;
    domain: string;
    weight: number;
    cluster: string;
    flagged: boolean;
    instructions: string;
    /** Only after the exam has ended. */
    result?: { passed: boolean; score: number; seconds: number; grade: GradeJson | null; error: string | null; hints: { id: string; hint: string }[]; solution: string };
  }[];
  /** Only after the exam has ended. */
  result?: { score: number; maxScore: number; percent: number; passPercent: number; passed: boolean; byDomain: { domain: string; score: number; maxScore: number }[]; endedBy: 'finish' | 'timeout' | 'workshop' };
}

export type { GradeJson };
