import type { CanActivate, Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';

/**
 * The metadata key `@MessagePattern()` and `@EventPattern()` set on a handler method. A string of our own, so
 * that `@nestjs/microservices` (optional) is never loaded.
 */
const PATTERN_METADATA = 'microservices:pattern';

/** The controller classes that have at least one `@MessagePattern()` or `@EventPattern()` handler. */
export function findMessageControllers(discovery: DiscoveryService, scanner: MetadataScanner): Type[] {
  const found = new Set<Type>();
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype;
    if (typeof controller !== 'function' || found.has(controller as Type)) continue;
    if (hasMessageHandler(controller as Type, scanner)) found.add(controller as Type);
  }
  return [...found];
}

function hasMessageHandler(controller: Type, scanner: MetadataScanner): boolean {
  const prototype = controller.prototype as Record<string, unknown>;
  return scanner
    .getAllMethodNames(prototype)
    .some((name) => Reflect.hasMetadata(PATTERN_METADATA, prototype[name] as object));
}

/**
 * Puts `guard` first among each controller's class guards, so it runs before the controller's and its handlers'
 * own guards. Nest reads these when it registers the message handlers. A guard of the same class that another
 * app of this process left there is replaced: the metadata belongs to the class, not to one app.
 */
export function putGuardFirst(controllers: readonly Type[], guard: CanActivate): void {
  for (const controller of controllers) {
    const others = guardsOf(controller).filter((other) => !sameClass(other, guard));
    Reflect.defineMetadata(GUARDS_METADATA, [guard, ...others], controller);
  }
}

/** Takes `guard` out of the controllers' class guards again, so that a closed app leaves nothing behind. */
export function removeGuard(controllers: readonly Type[], guard: CanActivate): void {
  for (const controller of controllers) {
    const guards = guardsOf(controller);
    if (!guards.includes(guard)) continue;
    Reflect.defineMetadata(
      GUARDS_METADATA,
      guards.filter((other) => other !== guard),
      controller,
    );
  }
}

function sameClass(other: unknown, guard: CanActivate): boolean {
  return typeof other === 'object' && other !== null && other.constructor === guard.constructor;
}

/** The class guards as `@UseGuards()` declared them: guard classes or instances. */
function guardsOf(controller: Type): readonly unknown[] {
  return (Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? [];
}
