import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { AuthProvider } from './api/auth.tsx';
import { Layout } from './components/Layout.tsx';
import { HomePage } from './features/home/HomePage.tsx';
import { LoginPage } from './features/auth/LoginPage.tsx';
import { SessionsPage } from './features/sessions/SessionsPage.tsx';
import { SessionPage } from './features/sessions/SessionPage.tsx';
import { PolicyRequestsPage } from './features/policy/PolicyRequestsPage.tsx';
import { LogbookPage } from './features/logbook/LogbookPage.tsx';
import { DatasetsPage } from './features/datasets/DatasetsPage.tsx';
import { DatasetPage } from './features/datasets/DatasetPage.tsx';
import { ProposalsPage } from './features/proposals/ProposalsPage.tsx';
import { ProposalPage } from './features/proposals/ProposalPage.tsx';
import { InstrumentsPage } from './features/instruments/InstrumentsPage.tsx';
import { SearchPage } from './features/search/SearchPage.tsx';
import { TapeAdminPage } from './features/tape/TapeAdminPage.tsx';
import { NotFoundPage } from './features/not-found/NotFoundPage.tsx';
import './styles.css';

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'login', element: <LoginPage /> },
      { path: 'sessions', element: <SessionsPage /> },
      { path: 'sessions/:id', element: <SessionPage /> },
      { path: 'policy-requests', element: <PolicyRequestsPage /> },
      { path: 'sessions/:id/logbook', element: <LogbookPage /> },
      { path: 'datasets', element: <DatasetsPage /> },
      // pids are DOIs ("10.5072/fb-ds.1a2b"): links encode the "/" so the pid is one path segment.
      { path: 'datasets/:pid', element: <DatasetPage /> },
      { path: 'proposals', element: <ProposalsPage /> },
      { path: 'proposals/:id', element: <ProposalPage /> },
      { path: 'instruments', element: <InstrumentsPage /> },
      { path: 'search', element: <SearchPage /> },
      { path: 'admin/tape', element: <TapeAdminPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  </StrictMode>,
);
