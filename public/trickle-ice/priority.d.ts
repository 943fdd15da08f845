/** Types of priority.js for Turnpike's TypeScript tests. */
export function splitPriority(priority: number): string;
