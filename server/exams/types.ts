/**
 * Mock exams (exams/<id>.yaml, ⚑ DESIGN.md "Exam mode"): a timed set of questions, each a
 * scenario — named, or drawn by domain like the curriculum weighs them — placed on a few clusters
 * so questions that change the same shared state never share one.
 */
import type { Domain } from '../scenarios/curriculum.js';

/** One entry of `questions:`: a named scenario, or one drawn from a domain. */
export type QuestionSpec =
  | { scenario: string; weight?: number; params?: Record<string, string> }
  | { draw: { domain: Domain }; weight?: number };

export interface ExamDefinition {
  id: string;
  title: string;
  description: string;
  durationMinutes: number;
  /** Percent of the total weight needed to pass (the real exam: 67). */
  passPercent: number;
  /** Minutes the environment stays open after the end, for review. */
  reviewMinutes: number;
  /** At most this many clusters per candidate (each holds the questions of one lab that do not collide). */
  maxClusters: number;
  /** Draw parameter values from their choices, so answers cannot be memorised. */
  randomizeParams: boolean;
  /** Explicit questions, in order… */
  questions: QuestionSpec[];
  /** …or `total` questions drawn over every domain by curriculum weight. */
  drawByCurriculum?: { total: number };
  file: string;
}

/** A question of one planned exam attempt. */
export interface PlannedQuestion {
  /** 1-based, as the exam shows it. */
  number: number;
  scenarioId: string;
  domain: string;
  /** Points of the question in the exam (default: the scenario's own max score). */
  weight: number;
  /** The cluster (`clusters[].name`) this question runs on. */
  cluster: string;
  /** Parameter values this attempt uses (empty for scenarios without parameters). */
  params: Record<string, string>;
}

export interface PlannedCluster {
  /** Short name the exam shows (`kubectl config use-context <context>`): cks1, cks2, … */
  name: string;
  lab: string;
  /** What it shares with no other question on it. */
  touches: string[];
  questions: number[];
}

/** One attempt's layout: which question runs where, and what the host must hold. */
export interface ExamPlan {
  exam: string;
  questions: PlannedQuestion[];
  clusters: PlannedCluster[];
  /** Memory the clusters need on the host (clusters × the per-cluster estimate). */
  memoryMiB: number;
}
