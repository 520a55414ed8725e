/** Who the server thinks a caller is; what the auth handlers see as `user`. */

/** A caller proven by an Appwrite JWT and mapped to its `students` row. */
export interface StudentUser {
  kind: "student";
  /** The `students.$id`: the caller's identity, and the owner of its threads. */
  identity: string;
  /** The Appwrite account user's `$id`. */
  userId: string;
  display_name: string;
  permissions: string[];
  is_authenticated: true;
}

/** Nobody in particular: every caller with auth `none`; the health check with `appwrite`. */
export interface AnonymousUser {
  kind: "anonymous";
  identity: "anonymous";
  display_name: "anonymous";
  permissions: string[];
  is_authenticated: false;
}

export type CallerUser = StudentUser | AnonymousUser;

export function anonymousUser(): AnonymousUser {
  return {
    kind: "anonymous",
    identity: "anonymous",
    display_name: "anonymous",
    permissions: [],
    is_authenticated: false,
  };
}
