/**
 * The preload exposes `window.lab` and nothing else. For now: what the app is; the typed LabApi
 * arrives with the backend issue.
 */
import { contextBridge } from 'electron';
import { APP_NAME, APP_VERSION } from '../shared/app';

const lab = Object.freeze({ app: Object.freeze({ name: APP_NAME, version: APP_VERSION }) });

contextBridge.exposeInMainWorld('lab', lab);

export type LabBridge = typeof lab;
