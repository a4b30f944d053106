/** Reading a grade in scenario tests: which tasks failed, and one check's result. */
import type { CheckResult, GradeResult } from '../../server/grading/types.js';

/** Ids of the tasks that did not pass, sorted. */
export const failedTasks = (r: GradeResult): string[] => r.tasks.filter((t) => !t.passed).map((t) => t.id).sort();

/** The result of check `id` in task `task` (throws when the grade has no such check). */
export function checkIn(r: GradeResult, task: string, id: string): CheckResult {
  const found = r.tasks.find((t) => t.id === task)?.checks.find((c) => c.id === id);
  if (!found) throw new Error(`the grade has no check ${task}/${id}`);
  return found;
}

/** The result of check `id`, whichever task holds it (throws when the grade has no such check). */
export function checkById(r: GradeResult, id: string): CheckResult {
  const found = r.tasks.flatMap((t) => t.checks).find((c) => c.id === id);
  if (!found) throw new Error(`the grade has no check ${id}`);
  return found;
}
