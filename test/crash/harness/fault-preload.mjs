/**
 * Fault injection for a broker CHILD PROCESS, at the boundary between Strata's storage file-io
 * layer and the operating system: loaded with `node --import <this file>` (the crash harness
 * sets NODE_OPTIONS), it wraps the FileHandle methods storage uses so that, while a control
 * file exists, calls on matching files fail the way a failing or full disk makes them fail.
 * Storage code runs unchanged; only the OS answer differs.
 *
 * Control files in $STRATA_FAULT_DIR (created and removed by the test while the broker runs):
 *   fsync-eio     datasync()/sync() of matching `.log` files reject with EIO
 *   write-enospc  write()/writev() to matching `.log` files reject with ENOSPC (nothing written)
 * A control file's content, if any, is a substring the file's path must contain (for example
 * `orders-0/` to hit one partition); empty matches every `.log` file.
 *
 * Every injected failure is counted in $STRATA_FAULT_DIR/<control>.hits (one byte per hit), so
 * the test can tell that the fault really fired.
 */
import fs, { appendFileSync, readFileSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.env.STRATA_FAULT_DIR;

if (dir) {
  const probe = await open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();

  /** The control file's filter if it exists (string, possibly empty), else null. */
  const armed = (control) => {
    try {
      return readFileSync(join(dir, control), 'utf8').trim();
    } catch {
      return null;
    }
  };
  const pathOf = (handle) => {
    try {
      return readlinkSync(`/proc/self/fd/${handle.fd}`);
    } catch {
      return '';
    }
  };
  const fault = (control, handle) => {
    const filter = armed(control);
    if (filter === null) return false;
    const path = pathOf(handle);
    if (!path.endsWith('.log') || !path.includes(filter)) return false;
    appendFileSync(join(dir, `${control}.hits`), '.');
    return true;
  };
  const errnoError = (code, errno, syscall) =>
    Object.assign(new Error(`${code}: injected by the crash harness, ${syscall}`), { code, errno, syscall });

  for (const method of ['datasync', 'sync']) {
    const original = proto[method];
    proto[method] = function (...args) {
      if (fault('fsync-eio', this)) return Promise.reject(errnoError('EIO', -5, 'fsync'));
      return original.apply(this, args);
    };
  }
  for (const method of ['write', 'writev']) {
    const original = proto[method];
    proto[method] = function (...args) {
      if (fault('write-enospc', this)) return Promise.reject(errnoError('ENOSPC', -28, 'write'));
      return original.apply(this, args);
    };
  }
  // Small log writes are synchronous (storage/file-io.ts calls fs.writevSync(fd, ...)).
  const writevSync = fs.writevSync;
  fs.writevSync = function (fd, ...args) {
    if (fault('write-enospc', { fd })) throw errnoError('ENOSPC', -28, 'write');
    return writevSync.call(this, fd, ...args);
  };
}
