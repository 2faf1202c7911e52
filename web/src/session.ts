import { useEffect, useState } from 'preact/hooks';
import { User, api, setSession, storedUser } from './api';

type Listener = (u: User | null) => void;
const listeners = new Set<Listener>();
let user: User | null = storedUser();

export function getUser(): User | null {
  return user;
}

export function signedIn(token: string, u: User): void {
  setSession(token, u);
  user = u;
  for (const l of listeners) l(u);
}

export function signedOut(): void {
  setSession(null, null);
  user = null;
  for (const l of listeners) l(null);
}

export async function signOut(): Promise<void> {
  try {
    await api('POST', '/auth/logout', {}, { quiet401: true });
  } catch {
    /* the token is dropped locally either way */
  }
  signedOut();
}

export function useUser(): User | null {
  const [u, setU] = useState(user);
  useEffect(() => {
    listeners.add(setU);
    return () => {
      listeners.delete(setU);
    };
  }, []);
  return u;
}
