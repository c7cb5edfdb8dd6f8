/** Header names shared by the API and its clients; no zod here, so the CLI's cheap read path can use them. */

/** `cli` in this header makes a bearer call's audit actor `cli` instead of `api`. */
export const CLIENT_HEADER = "x-opensentience-client";
