import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventsModuleOptions } from './events-module.options';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<EventsModuleOptions>({ moduleName: 'Events' })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createEventsOptions')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
