/**
 * Hooks owned by a feature plugin rather than the kernel (webpack's
 * `JavascriptModulesPlugin.getCompilationHooks(compilation)` pattern): the kernel knows
 * no telnet, HTTP or GUI, so those plugins define their hooks in the library layer and
 * every plugin reaches them through an accessor keyed on the kernel's hook table.
 *
 *   export const getTelnetHooks = defineFeatureHooks('telnet', () => ({ commands: new SyncHook(['commands']) }));
 *   getTelnetHooks(context.hooks).commands.tap('my-plugin', …);
 *
 * The hooks are created on first use, so a plugin may tap them before or after the owner
 * registers. They live on the kernel's hook table under a `Symbol.for` key, so two
 * copies of a library module (a third-party plugin with its own `dsdb` install) still
 * share one set per kernel.
 */
import type { KernelHooks } from './hooks';

import { FEATURE_HOOKS } from './hooks';

/**
 * Returns the accessor of the feature hooks named `owner` (the owning plugin's name).
 * `create` builds the hook object once per kernel; it must always build the same shape.
 */
export function defineFeatureHooks<T extends object>(owner: string, create: () => T): (hooks: KernelHooks) => T {
  return (hooks) => {
    const table = hooks[FEATURE_HOOKS];
    let owned = table.get(owner) as T | undefined;
    if (!owned) table.set(owner, (owned = Object.freeze(create())));
    return owned;
  };
}
