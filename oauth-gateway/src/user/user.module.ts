import { Module } from '@nestjs/common';
import { TokenModule } from '../token/token.module';
import { UserController } from './user.controller';

@Module({ imports: [TokenModule], controllers: [UserController] })
export class UserModule {}
