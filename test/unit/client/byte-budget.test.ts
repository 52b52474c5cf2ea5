import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, RequestTimedOutError } from '../../../proto/errors.js';
import { ByteBudget } from '../../../client/byte-budget.js';

describe('ByteBudget', () => {
  it('takes bytes while they fit and makes later requests wait', async () => {
    const budget = new ByteBudget(100, 1_000);
    expect(budget.tryTake(60)).toBe(true);
    expect(budget.tryTake(50)).toBe(false);
    let granted = false;
    const waiting = budget.take(50).then(() => { granted = true; });
    await Promise.resolve();
    expect(granted).toBe(false);
    budget.release(60);
    await waiting;
    expect(budget.usedBytes).toBe(50);
  });

  it('serves waiters first come first served, even when a later one would fit', async () => {
    const budget = new ByteBudget(100, 1_000);
    budget.tryTake(90);
    const order: string[] = [];
    const big = budget.take(80).then(() => order.push('big'));
    expect(budget.tryTake(5)).toBe(false); // would fit, but someone is waiting ahead
    const small = budget.take(5).then(() => order.push('small'));
    budget.release(90);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('lets a request larger than the whole budget through when nothing is held', async () => {
    const budget = new ByteBudget(100, 1_000);
    expect(budget.tryTake(500)).toBe(true);
    budget.release(500);
    expect(budget.usedBytes).toBe(0);
  });

  it('fails a waiter with RequestTimedOutError after waitMs, and the next in line moves up', async () => {
    const budget = new ByteBudget(100, 30);
    budget.tryTake(100);
    const started = Date.now();
    await expect(budget.take(10)).rejects.toBeInstanceOf(RequestTimedOutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(budget.hasWaiters).toBe(false);
  });

  it('fails every waiter when the producer closes', async () => {
    const budget = new ByteBudget(10, 10_000);
    budget.tryTake(10);
    const a = budget.take(5);
    const b = budget.take(5);
    budget.failWaiters('closing');
    await expect(a).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(b).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
