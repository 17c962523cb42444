import type { Type } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, GATEWAY_OPTIONS, PORT_METADATA } from '@nestjs/websockets/constants.js';
import type { GatewayMetadata } from '@nestjs/websockets';

/** One `@WebSocketGateway` class of the application, with what Nest will pass to `create()`. */
export interface GatewayEntry {
  metatype: Type<object>;
  instance: object;
  /** The module hosting the gateway: its guards and filters are instantiated there. */
  injectables: Map<unknown, { instance: unknown }>;
  port: number;
  options: GatewayMetadata;
}

/** Namespaces as Nest normalises them (leading slash), for matching `create()` calls to gateways. */
export function namespaceKey(namespace: string | RegExp | undefined): string {
  if (namespace === undefined || namespace === '' || namespace === '/') return '/';
  if (namespace instanceof RegExp) return `regexp:${namespace.source}/${namespace.flags}`;
  return namespace.startsWith('/') ? namespace : `/${namespace}`;
}

export function serverKey(port: number, path: string | undefined): string {
  return `${port}|${path ?? '/socket.io'}`;
}

/**
 * Finds the gateways before Nest wires them (the adapter is built after the instances exist and
 * before `app.init()`), so the extras can see every gateway that will share a server.
 */
export function discoverGateways(modules: ModulesContainer | undefined): GatewayEntry[] {
  if (!modules) return [];
  const entries: GatewayEntry[] = [];
  for (const moduleRef of modules.values()) {
    for (const wrapper of moduleRef.providers.values()) {
      const metatype = wrapper.metatype as Type<object> | null;
      if (!metatype || wrapper.isNotMetatype || !wrapper.instance) continue;
      if (!Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      entries.push({
        metatype,
        instance: wrapper.instance as object,
        injectables: moduleRef.injectables as Map<unknown, { instance: unknown }>,
        port: Reflect.getMetadata(PORT_METADATA, metatype) ?? 0,
        options: Reflect.getMetadata(GATEWAY_OPTIONS, metatype) ?? {},
      });
    }
  }
  return entries;
}
