import { readFile } from 'node:fs/promises'

/**
 * A text file's content as editors on every OS write it: UTF-8, with the byte order mark that
 * Notepad and PowerShell 5.1 put first removed. Without this, a BOM is an invisible first
 * character: a config file fails to parse at "line 1, column 1", and a password file sends a
 * wrong password to IAM (a rejected login that counts toward the lockout). Every file the CLIs
 * read (config, token, password, SK, scenario) goes through here or {@link stripBom}.
 *
 * @example
 * const text = await readTextFile('/etc/sms-agent/config.json')
 */
export async function readTextFile(path: string): Promise<string> {
  return stripBom(await readFile(path, 'utf8'))
}

/**
 * The text without a leading UTF-8 byte order mark (U+FEFF); any other text unchanged. For text
 * that an injected reader returned.
 *
 * @example
 * stripBom('\uFEFF{"endpoint": "https://sms.example"}') // '{"endpoint": "https://sms.example"}'
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
