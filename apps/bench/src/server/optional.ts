// Loads a workspace package that may not be built yet, with an error that says which export is missing.

export async function loadOptional<T>(specifier: string, requiredExport: string): Promise<T> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${specifier} cannot be loaded (is it built?): ${(error as Error).message}`);
  }
  if (loaded[requiredExport] === undefined) {
    throw new Error(`${specifier} does not export ${requiredExport} yet`);
  }
  return loaded as T;
}

/** True when the package loads and exports the given name (used to pick the default implementations). */
export async function isAvailable(specifier: string, requiredExport: string): Promise<boolean> {
  try {
    await loadOptional(specifier, requiredExport);
    return true;
  } catch {
    return false;
  }
}
