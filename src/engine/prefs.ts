/**
 * Protocol preferences (-o name:value, Wireshark's names): each protocol declares the ones it reads,
 * so the command line can refuse a misspelt name and check a value before any packet is read.
 */
export type PrefKind = 'bool' | 'number' | 'file' | 'text';

export interface Preference {
  readonly name: string;
  readonly kind: PrefKind;
  readonly description: string;
}

const preferences = new Map<string, Preference>();

/** Declares a preference; returns its name, the key protocols read it by from `session.prefs`. */
export function preference(name: string, kind: PrefKind, description: string): string {
  preferences.set(name, { name, kind, description });
  return name;
}

export function findPreference(name: string): Preference | undefined {
  return preferences.get(name);
}

export function allPreferences(): Preference[] {
  return [...preferences.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What is wrong with `value` for the preference, or null when it is fine. */
export function checkPreferenceValue(pref: Preference, value: string): string | null {
  if (pref.kind === 'bool' && !/^(TRUE|FALSE)$/i.test(value)) return `${pref.name} takes TRUE or FALSE, not '${value}'`;
  if (pref.kind === 'number' && !/^\d+(\.\d+)?$/.test(value)) return `${pref.name} takes a number, not '${value}'`;
  return null;
}
