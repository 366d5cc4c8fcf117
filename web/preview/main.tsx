import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PreviewPage } from './PreviewPage.tsx';
import '@h5web/app/styles.css';
import './preview.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PreviewPage />
  </StrictMode>,
);
