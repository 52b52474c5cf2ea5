/** The strategy name → assignor table; one stateless instance of each. */
import type { Assignor, StrategyName } from './assignor.js';
import { CooperativeStickyAssignor } from './cooperative-sticky-assignor.js';
import { RangeAssignor } from './range-assignor.js';
import { RoundRobinAssignor } from './round-robin-assignor.js';

const ASSIGNORS: Readonly<Record<StrategyName, Assignor>> = {
  'range': new RangeAssignor(),
  'round-robin': new RoundRobinAssignor(),
  'cooperative-sticky': new CooperativeStickyAssignor(),
};

export function assignorFor(strategy: StrategyName): Assignor {
  return ASSIGNORS[strategy];
}
