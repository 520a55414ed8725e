/** Exit codes of every command: 0 clean/success, 1 problems found, 2 usage or runtime error. */
export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_ERROR = 2;
