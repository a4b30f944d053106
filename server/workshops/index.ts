export { WorkshopManager, type WorkshopManagerDeps } from './manager.js';
export { InstructorAuth } from './instructorAuth.js';
export { toCsv, exportRows, boardRows } from './board.js';
export { parseCreateWorkshop, parseDisplayName, parseJoinCode, JOIN_CODE } from './validate.js';
