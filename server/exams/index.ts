/** Mock exams: definitions from exams/*.yaml and the plan of one attempt. */
export type * from './types.js';
export { loadExams } from './loader.js';
export { planExam, seededPick, type PlanOptions } from './planner.js';
export { ExamManager, type EndedBy, type ExamManagerDeps, type ExamResult, type QuestionResult, type SeatClock, type StoredPlan } from './manager.js';
