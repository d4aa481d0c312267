import { Module } from '@nestjs/common';
import { ExpiredRecordsPurger } from './expired-records.purger.js';

@Module({ providers: [ExpiredRecordsPurger], exports: [ExpiredRecordsPurger] })
export class HousekeepingModule {}
