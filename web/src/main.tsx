import { render } from 'preact';
import { App } from './app';
import { storedUser } from './api';
import { startAutoSync } from './outbox';
import { prefetch } from './prefetch';
import './styles.css';

const user = storedUser();
if (user && user.role === 'clinician' && !user.restricted && (location.pathname === '/' || location.pathname === '/c')) {
  prefetch('/patients');
}
render(<App />, document.getElementById('app')!);
startAutoSync();

if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* the app works without it; only offline start-up is lost */
    });
  });
}
