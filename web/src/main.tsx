import '@mantine/core/styles.css'
import '@mantine/charts/styles.css'
import './app/i18n'
import { createTheme, MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { isProblem, setUnauthorizedHandler } from './app/api'
import { createAppRouter } from './app/router'

const theme = createTheme({ primaryColor: 'teal', defaultRadius: 'md' })

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not get better by asking again; network hiccups and 5xx might.
      retry: (failureCount, error) => !(isProblem(error) && error.status < 500) && failureCount < 2,
    },
  },
})

const router = createAppRouter(queryClient)

// An expired or revoked session shows up as a 401 on any call: forget it and ask to sign in again.
setUnauthorizedHandler(() => {
  queryClient.clear()
  const { pathname, href } = router.state.location
  if (pathname === '/login') return
  void router.navigate({ to: '/login', search: { redirect: href } })
})

const container = document.getElementById('root')
if (!container) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
)
