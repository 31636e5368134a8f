import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ensureReadableStreamIteration } from './lib/stream-iteration.ts';
import { App } from './shell/app.tsx';
import './styles.css';

ensureReadableStreamIteration();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
