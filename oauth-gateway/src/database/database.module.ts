import { Global, Module } from '@nestjs/common';
import { ExpiredRowsCleaner } from './expired-rows.cleaner';
import { Sql } from './sql.service';

@Global()
@Module({ providers: [Sql, ExpiredRowsCleaner], exports: [Sql] })
export class DatabaseModule {}
