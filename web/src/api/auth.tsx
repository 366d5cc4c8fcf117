import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from './endpoints.ts';
import type { Me } from './types.ts';

interface AuthState {
  /** undefined while the first /api/me is in flight */
  me: Me | undefined;
  /** Bumped on login and logout: every data hook refetches, since what is visible depends on who asks. */
  generation: number;
  login(username: string, password: string): Promise<Me>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

const ANONYMOUS: Me = { kind: 'anonymous' };

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    // If /api/me fails the portal still works for public data, so fall back to anonymous.
    api.me(ctrl.signal).then(setMe, () => !ctrl.signal.aborted && setMe(ANONYMOUS));
    return () => ctrl.abort();
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const who = await api.login(username, password);
    setMe(who);
    setGeneration((g) => g + 1);
    return who;
  }, []);

  const logout = useCallback(async () => {
    await api.logout();
    setMe(ANONYMOUS);
    setGeneration((g) => g + 1);
  }, []);

  const value = useMemo(() => ({ me, generation, login, logout }), [me, generation, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside <AuthProvider>');
  return state;
}

/** "Ada Lovelace" for users, the key name for API keys, undefined when anonymous. */
export function displayName(me: Me | undefined): string | undefined {
  if (!me || me.kind === 'anonymous') return undefined;
  if (me.kind === 'apikey') return `API key ${me.apiKey ?? ''}`.trim();
  return me.fullName || me.username;
}

/** A person with a facility role (staff, data manager, admin), not only a member of sessions. */
export const isFacilityStaff = (me: Me | undefined): boolean => me?.kind === 'user' && Boolean(me.role);
