/**
 * Chooses the data plane (`data-plane=auto|native|js`): the `native` addon when it was built
 * and loads, the `js` plane otherwise, and says which runs and why. `relay-threads` (coturn's
 * `-m`) sets the native plane's threads, 0 meaning one per CPU as in coturn.
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { FaultGuard } from '../log/fault-guard.ts';
import type { Logger } from '../log/logger.ts';
import type { RelayAddress } from '../turn/relay-plan.ts';
import { JsDataPlane } from './js/index.ts';
import { loadAddon } from './native/addon.ts';
import { NativeDataPlane } from './native/index.ts';
import type { DataPlane } from './types.ts';

/** What every plane is built from. */
export interface DataPlaneDeps {
  relayAddresses: RelayAddress[];
  now: () => number;
  guard: FaultGuard;
  log: Logger;
}

/** The most threads the native plane runs (native/src/plane.h). */
const MAX_THREADS = 64;

/** The data plane `config` asks for. Throws `TurnpikeError` CONFIG_INVALID for `data-plane=native` without a native build. */
export async function createDataPlane(config: Config, deps: DataPlaneDeps): Promise<DataPlane> {
  const js = (): DataPlane => new JsDataPlane({ relayAddresses: deps.relayAddresses, minPort: config.minPort, maxPort: config.maxPort, now: deps.now, guard: deps.guard, sockBufSize: config.sockBufSize });
  // TURNPIKE_DATA_PLANE lets a test run choose without rewriting every command line.
  const wanted = (process.env.TURNPIKE_DATA_PLANE as Config['dataPlane'] | undefined) ?? config.dataPlane;
  if (wanted === 'js') {
    deps.log.info('data-plane', { kind: 'js', why: 'data-plane=js' });
    return js();
  }
  const loaded = loadAddon();
  if (!loaded.ok) {
    if (wanted === 'native') throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `data-plane=native: ${loaded.reason}`);
    deps.log.warn('data-plane', { kind: 'js', why: loaded.reason });
    return js();
  }
  const threads = Math.min(MAX_THREADS, config.relayThreads > 0 ? config.relayThreads : availableParallelism());
  const plane = new NativeDataPlane({
    addon: loaded.addon,
    threads,
    relayAddresses: deps.relayAddresses,
    minPort: config.minPort,
    maxPort: config.maxPort,
    bpsCapacity: config.bpsCapacity,
    maxChannelNumber: config.rfc5766ChannelNumbers ? 0x7fff : 0x4fff,
    mobility: config.mobility,
    now: deps.now,
    guard: deps.guard,
  });
  deps.log.info('data-plane', { kind: 'native', threads });
  return plane;
}
