import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '@maple/platform';
import { SanctionsStore } from '../application/sanctions-store';
import { ScreeningDto } from './dto/compliance.dto';

@ApiTags('compliance')
@Controller('compliance/screenings')
export class ScreeningController {
  constructor(@Inject(SanctionsStore) private readonly sanctions: SanctionsStore) {}

  @Post()
  @HttpCode(200)
  @RequirePermission('compliance:write')
  @ApiOperation({
    summary: 'Screen a name against the active OFAC SDN snapshot (names and aliases), best match first',
    description: 'Names are normalised (case, punctuation, diacritics, transliteration, company suffixes, honorifics) and compared token by token with Jaro-Winkler, in any order. Date of birth, country and entity type raise or lower the score; every hit explains its score.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        listVersion: '3f1c…',
        matches: [
          {
            entryId: '7834',
            name: 'HAMAMI, Brahim Ben Hedili Ben Mohamed',
            matchedName: 'HAMAMI, Brahim Ben Hedili Ben Mohamed',
            entityType: 'person',
            programs: ['SDGT'],
            score: 0.99,
            breakdown: { nameScore: 1, tokenScores: [{ query: 'BRAHIM', candidate: 'BRAHIM', similarity: 1 }], dobAdjustment: 0.02, countryAdjustment: 0, entityTypeAdjustment: 0, matchedOn: 'primary' },
          },
        ],
      },
    },
  })
  async screen(@Body() body: ScreeningDto) {
    const r = await this.sanctions.screen(body);
    return { listVersion: r.listVersion, matcherVersion: r.matcherVersion, matches: r.matches };
  }
}
