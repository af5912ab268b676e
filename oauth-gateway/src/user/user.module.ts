import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { TokenModule } from '../token/token.module';
import { UserController } from './user.controller';

@Module({ imports: [ClientsModule, TokenModule], controllers: [UserController] })
export class UserModule {}
