export { EventRecorder } from './event-recorder';
