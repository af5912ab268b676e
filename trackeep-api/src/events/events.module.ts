import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ReposModule } from '../repos/repos.module';
import { TeamsModule } from '../teams/teams.module';
import { ActivityController } from './activity.controller';
import { ActivityFeedRepository } from './activity-feed.repository';
import { EventBus } from './event-bus.service';
import { EventStreamController } from './event-stream.controller';
import { EventStreamService } from './event-stream.service';
import { LiveEventsRepository } from './live-events.repository';

/** Live events: EventBus (publish from anywhere, cross-replica via LISTEN/NOTIFY), the SSE endpoint and the activity timeline. */
@Module({
  imports: [AuthModule, ReposModule, TeamsModule],
  controllers: [EventStreamController, ActivityController],
  providers: [EventBus, ActivityFeedRepository, LiveEventsRepository, EventStreamService],
  exports: [EventBus],
})
export class EventsModule {}
