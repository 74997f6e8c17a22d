/**
 * A lock file in the data folder, so that one runtime at a time opens it. dynalite keeps its table
 * in LevelDB, which a second process cannot open, and s3rver would serve the same files to two
 * runtimes whose events go to different process-photo instances.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'runtime.lock';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file; the folder can then be opened again. */
  release(): Promise<void>;
}

/** Returns true when a process with this id is running, under any user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `runtime.lock` in `dataDir` with this process's id. Throws when the lock belongs to a
 * running process. A lock file left by a process that no longer runs, for example after a crash, is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE_NAME);
  const lock = { path, release: () => rm(path, { force: true }) };

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });

      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(
        `the data folder ${dataDir} is in use by another drink-widgets runtime (process ${holder}); stop that one, or set DATA_DIR to another folder`,
      );
    }
    // The holder is gone, or the file is unreadable or half-written: take the lock over.
    await rm(path, { force: true });
  }

  throw new Error(`failed to lock the data folder ${dataDir}: ${path} keeps reappearing; another runtime may be starting on it`);
}
