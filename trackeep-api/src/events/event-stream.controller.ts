import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, type SessionUser } from '../auth/current-user.decorator';
import type { AuthenticatedRequestFields } from '../auth/session-user.type';
import { ApiException } from '../common/api-exception';
import { EventStreamService } from './event-stream.service';

const ACTIVITY_ID = /^\d{1,18}$/;

@ApiTags('events')
@Controller('events')
export class EventStreamController {
  constructor(private readonly streams: EventStreamService) {}

  /**
   * Server-Sent Events: activity, sync progress and repo changes for the repos the user may read.
   * A reconnecting EventSource sends Last-Event-ID and first receives the activity it missed;
   * `?lastEventId=` does the same for a first connection.
   */
  @Get('stream')
  @ApiOperation({ summary: 'Live events (text/event-stream)' })
  async stream(
    @CurrentUser() user: SessionUser,
    @Req() req: Request & AuthenticatedRequestFields,
    @Res() res: Response,
    @Headers('last-event-id') header?: string,
    @Query('lastEventId') query?: string,
  ): Promise<void> {
    const lastEventId = (header ?? query ?? '').trim();
    if (lastEventId !== '' && !ACTIVITY_ID.test(lastEventId)) {
      throw ApiException.badRequest('Last-Event-ID must be an event id this stream sent (digits)');
    }
    await this.streams.open(
      user.id,
      req.sessionId ?? null,
      req,
      res,
      lastEventId === '' ? null : lastEventId,
    );
  }
}
