import type { LabBridge } from './index';

declare global {
  interface Window {
    lab?: LabBridge;
  }
}
