/** The application's name and version, written into every exported file. */
import packageJson from '../../package.json';

export const APP_NAME: string = packageJson.name;
export const APP_VERSION: string = packageJson.version;
