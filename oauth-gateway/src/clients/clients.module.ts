import { Module } from '@nestjs/common';
import { ClientRegistry } from './client-registry.service';

@Module({ providers: [ClientRegistry], exports: [ClientRegistry] })
export class ClientsModule {}
